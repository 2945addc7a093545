package superweight.engine;

import superweight.model.arch.Linear;

/** Change one element W[row, col] of a layer's linear weight: set it, scale it, or zero it. */
public record WeightEdit(int layer, Linear linear, int row, int col, Op op, float value) {
    public enum Op { SET, SCALE, ZERO }

    public static WeightEdit zero(int layer, Linear linear, int row, int col) {
        return new WeightEdit(layer, linear, row, col, Op.ZERO, 0f);
    }

    public static WeightEdit scale(int layer, Linear linear, int row, int col, float factor) {
        return new WeightEdit(layer, linear, row, col, Op.SCALE, factor);
    }

    public static WeightEdit set(int layer, Linear linear, int row, int col, float value) {
        return new WeightEdit(layer, linear, row, col, Op.SET, value);
    }

    float apply(float original) {
        return switch (op) {
            case SET -> value;
            case SCALE -> original * value;
            case ZERO -> 0f;
        };
    }
}
