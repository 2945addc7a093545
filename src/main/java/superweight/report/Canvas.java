package superweight.report;

/**
 * The drawing primitives the chart layout emits; one implementation writes SVG elements, the other paints a
 * Java2D image, so both outputs are drawn by the same calls. Coordinates are pixels, y down; colours 0xRRGGBB.
 */
interface Canvas {
    enum Anchor { START, MIDDLE, END }

    /** Starts a named group (an SVG {@code <g>}, so the report and tests can find a series); PNG ignores it. */
    void begin(String cssClass, String name);

    void end();

    void line(double x1, double y1, double x2, double y2, int rgb, double width, String cssClass);

    /** A polyline through the points; the caller splits it at gaps. */
    void polyline(double[] xs, double[] ys, int rgb, double width);

    /** A rectangle filled with {@code fill} ({@code -1}: none) and outlined with {@code stroke} ({@code -1}: none). */
    void rect(double x, double y, double w, double h, int fill, int stroke, String cssClass);

    void circle(double cx, double cy, double r, int rgb);

    /** Text whose baseline starts, centres or ends at (x, y), rotated by {@code degrees} (clockwise) around it. */
    void text(double x, double y, String s, double size, Anchor anchor, double degrees, boolean bold, String cssClass);
}
