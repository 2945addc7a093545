package superweight.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Round-to-nearest quantization into ggml's block formats (blocks of 32 along a row), byte-compatible with
 * llama.cpp's reference quantizers: Q8_0 (d = amax/127), Q4_0 (d = max/-8 by signed max), Q4_1 (d = (max-min)/15, m = min).
 */
public final class GgmlQuantizer {
    private GgmlQuantizer() {
    }

    public static byte[] q8_0(float[] x) {
        check(x);
        ByteBuffer b = ByteBuffer.allocate(x.length / 32 * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < x.length; s += 32) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[s + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            b.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) b.put((byte) Math.round(x[s + j] * id));
        }
        return b.array();
    }

    public static byte[] q4_0(float[] x) {
        check(x);
        ByteBuffer b = ByteBuffer.allocate(x.length / 32 * 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < x.length; s += 32) {
            float amax = 0, max = 0;
            for (int j = 0; j < 32; j++) {
                if (Math.abs(x[s + j]) > amax) {
                    amax = Math.abs(x[s + j]);
                    max = x[s + j];
                }
            }
            float d = max / -8f;
            float id = d != 0 ? 1f / d : 0f;
            b.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) (x[s + j] * id + 8.5f));
                int hi = Math.min(15, (int) (x[s + j + 16] * id + 8.5f));
                b.put((byte) (lo | (hi << 4)));
            }
        }
        return b.array();
    }

    public static byte[] q4_1(float[] x) {
        check(x);
        ByteBuffer b = ByteBuffer.allocate(x.length / 32 * 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < x.length; s += 32) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                min = Math.min(min, x[s + j]);
                max = Math.max(max, x[s + j]);
            }
            float d = (max - min) / 15f;
            float id = d != 0 ? 1f / d : 0f;
            b.putShort(Float.floatToFloat16(d));
            b.putShort(Float.floatToFloat16(min));
            for (int j = 0; j < 16; j++) {
                int lo = Math.min(15, (int) ((x[s + j] - min) * id + 0.5f));
                int hi = Math.min(15, (int) ((x[s + j + 16] - min) * id + 0.5f));
                b.put((byte) (lo | (hi << 4)));
            }
        }
        return b.array();
    }

    private static void check(float[] x) {
        if (x.length % 32 != 0) throw new IllegalArgumentException(x.length + " values: not a multiple of the block size 32");
    }
}
