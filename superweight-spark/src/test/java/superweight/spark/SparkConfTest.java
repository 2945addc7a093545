package superweight.spark;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which master a grid runs on, and that a local master stays on the loopback interface without a web UI. */
class SparkConfTest {
    @Test
    void localByDefaultOnLoopback() {
        SparkConf c = SparkExecutor.conf(null);
        assertThat(c.get("spark.master")).isEqualTo("local[*]");
        assertThat(c.get("spark.driver.host")).isEqualTo("127.0.0.1");
        assertThat(c.get("spark.driver.bindAddress")).isEqualTo("127.0.0.1");
        assertThat(c.get("spark.ui.enabled")).isEqualTo("false");
    }

    @Test
    void aClusterMasterIsLeftToTheClustersSettings() {
        SparkConf c = SparkExecutor.conf("spark://head:7077");
        assertThat(c.get("spark.master")).isEqualTo("spark://head:7077");
        assertThat(c.contains("spark.driver.host")).isFalse();
        assertThat(c.contains("spark.ui.enabled")).isFalse();
    }
}
