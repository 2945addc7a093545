package superweight.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import superweight.Fixtures;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The blob lock holds between processes: while this JVM holds a blob's lock file, a second JVM that needs the blob
 * waits instead of downloading; when the holder has finished the blob and lets go, the waiter uses it as it is.
 */
class HubLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondProcessWaitsForTheLockAndReusesTheFinishedBlob() throws Exception {
        byte[] weights = Files.readAllBytes(Fixtures.shared().resolve("fixtures/planted/model.safetensors"));
        try (FakeHub fake = new FakeHub("org/tiny")) {
            fake.files.put("config.json", Files.readAllBytes(Fixtures.shared().resolve("fixtures/planted/config.json")));
            fake.files.put("model.safetensors", weights);
            Path cache = tmp.resolve("hub"), blob = cache.resolve("models--org--tiny/blobs/" + FakeHub.sha256(weights));
            Path lockFile = cache.resolve(".locks/models--org--tiny/" + FakeHub.sha256(weights) + ".lock");
            Files.createDirectories(lockFile.getParent());
            Process child;
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock held = ch.lock()) {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
                child = new ProcessBuilder(java, "-cp", cp, ResolveMain.class.getName(), fake.endpoint().toString(), cache.toString(), "org/tiny")
                        .redirectErrorStream(true).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (fake.requests("hub", "HEAD").stream().noneMatch(r -> r.path().endsWith("/model.safetensors"))) {
                    if (!child.isAlive()) throw new AssertionError("the child ended early: " + new String(child.getInputStream().readAllBytes()));
                    assertThat(System.nanoTime()).as("the child never asked for the weights").isLessThan(deadline);
                    Thread.sleep(50);
                }
                Thread.sleep(500);
                assertThat(fake.requests("cdn", "GET")).as("downloading while another process holds the lock").isEmpty();
                Files.createDirectories(blob.getParent());
                Files.write(blob, weights);   // what the lock holder would have done
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(child.getInputStream().readAllBytes()).trim();
            assertThat(child.exitValue()).as(out).isZero();
            assertThat(Path.of(out)).isEqualTo(cache.resolve("models--org--tiny/snapshots/" + FakeHub.COMMIT));
            assertThat(fake.requests("cdn", "GET")).isEmpty();
            assertThat(Files.readAllBytes(Path.of(out).resolve("model.safetensors"))).isEqualTo(weights);
        }
    }
}
