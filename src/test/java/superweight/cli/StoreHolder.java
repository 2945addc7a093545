package superweight.cli;

import superweight.eval.RunStore;

import java.nio.file.Path;

/** Test helper run in a child JVM: opens a run store, says "holding" on stdout and keeps it until stdin closes. */
public final class StoreHolder {
    private StoreHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (RunStore store = RunStore.open(Path.of(args[0]))) {
            System.out.println("holding");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close stdin
            }
        }
        System.out.println("released");
    }
}
