package org.faultline.tools.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;

/**
 * A comparison drawn for a patch review: one box per kernel over its runs (median, quartiles from
 * commons-math3, whiskers to the slowest and fastest run), the verdicts under the title. PNG (or SVG,
 * through JFreeSVG, for a {@code .svg} file), drawn headless with JFreeChart.
 */
public final class Plot {
    private Plot() {
    }

    /**
     * A comparison's picture, one PNG: on the left {@link #boxes}' chart of throughput, on the right
     * the latency distribution of {@code call} per kernel as a CDF (the fraction of calls at most a
     * latency, the latency on a log axis), every run's calls merged.
     *
     * @param latency each kernel's merged histogram of {@code call} (ns); none drawn when {@code call} is null
     */
    public static void report(Path file, String title, List<String> kernels, double[][] runs, String metric,
                              String subtitle, String call, List<org.HdrHistogram.Histogram> latency) throws IOException {
        System.setProperty("java.awt.headless", "true");
        kernels = distinct(kernels);
        JFreeChart left = boxChart(title, kernels, runs, metric, subtitle);
        if (call == null) {
            write(file, 1000, 760, g -> left.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 1000, 760)));
            return;
        }
        org.jfree.data.xy.XYSeriesCollection cdfs = new org.jfree.data.xy.XYSeriesCollection();
        for (int i = 0; i < kernels.size(); i++) {
            org.jfree.data.xy.XYSeries s = new org.jfree.data.xy.XYSeries(kernels.get(i), false, true);
            org.HdrHistogram.Histogram h = latency.get(i);
            if (h.getTotalCount() > 0) {
                for (org.HdrHistogram.HistogramIterationValue v : h.percentiles(5)) {
                    s.add(Math.max(1e-3, v.getValueIteratedTo() / 1e6), v.getPercentileLevelIteratedTo() / 100.0);
                }
            }
            cdfs.addSeries(s);
        }
        org.jfree.chart.axis.LogarithmicAxis x = new org.jfree.chart.axis.LogarithmicAxis(call + " latency (ms, log scale)");
        x.setStrictValuesFlag(false); // a latency under 1 us is drawn at 0.001 ms
        x.setExpTickLabelsFlag(false); // 0.1, 1, 10 rather than 10^-1
        x.setLog10TickLabelsFlag(false);
        NumberAxis y = new NumberAxis("fraction of " + call + " calls at most that long");
        y.setRange(0, 1);
        org.jfree.chart.renderer.xy.XYStepRenderer r = new org.jfree.chart.renderer.xy.XYStepRenderer();
        org.jfree.chart.plot.XYPlot plot = new org.jfree.chart.plot.XYPlot(cdfs, x, y, r);
        JFreeChart right = new JFreeChart(call + " latency CDF", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        write(file, 2000, 760, g -> {
            left.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 1000, 760));
            right.draw(g, new java.awt.geom.Rectangle2D.Double(1000, 0, 1000, 760));
        });
    }

    /**
     * The kernels' names made distinct for the chart's keys: a kernel compared with itself (an A/A
     * run, to see the noise) is "6.6" and "6.6 #2".
     */
    static List<String> distinct(List<String> names) {
        List<String> out = new java.util.ArrayList<>();
        for (String n : names) {
            String k = n;
            for (int i = 2; out.contains(k); i++) {
                k = n + " #" + i;
            }
            out.add(k);
        }
        return out;
    }

    /** Draws into a PNG (a raster image) or, for a {@code .svg} file, an SVG document (JFreeSVG). */
    private static void write(Path file, int width, int height, java.util.function.Consumer<java.awt.Graphics2D> draw)
            throws IOException {
        if (file.toString().endsWith(".svg")) {
            org.jfree.svg.SVGGraphics2D g = new org.jfree.svg.SVGGraphics2D(width, height);
            draw.accept(g);
            org.jfree.svg.SVGUtils.writeToSVG(file.toFile(), g.getSVGElement());
            return;
        }
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        try {
            draw.accept(g);
        } finally {
            g.dispose();
        }
        try (java.io.OutputStream os = java.nio.file.Files.newOutputStream(file)) {
            ChartUtils.writeBufferedImageAsPNG(os, img);
        }
    }

    /**
     * Writes the chart to {@code file} (a {@code .png}).
     *
     * @param kernels  the kernels, in order
     * @param runs     each kernel's figures
     * @param metric   the axis label, e.g. "MB/s"
     * @param subtitle a line under the title (the verdicts)
     */
    public static void boxes(Path file, String title, List<String> kernels, double[][] runs, String metric,
                             String subtitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        JFreeChart c = boxChart(title, distinct(kernels), runs, metric, subtitle);
        write(file, 1000, 700, g -> c.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 1000, 700)));
    }

    private static JFreeChart boxChart(String title, List<String> kernels, double[][] runs, String metric, String subtitle) {
        DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
        for (int i = 0; i < kernels.size(); i++) {
            double[] v = runs[i].clone();
            java.util.Arrays.sort(v);
            org.apache.commons.math3.stat.descriptive.rank.Percentile pc =
                    new org.apache.commons.math3.stat.descriptive.rank.Percentile();
            double min = v[0];
            double max = v[v.length - 1];
            // whiskers to the extremes (every run counts; no outlier marks)
            data.add(new org.jfree.data.statistics.BoxAndWhiskerItem(Stats.median(v), Stats.median(v),
                    pc.evaluate(v, 25), pc.evaluate(v, 75), min, max, min, max, List.of()), metric, kernels.get(i));
        }
        BoxAndWhiskerRenderer r = new BoxAndWhiskerRenderer();
        r.setMeanVisible(false);
        r.setMaxOutlierVisible(false);
        r.setMinOutlierVisible(false);
        r.setMaximumBarWidth(0.18);
        NumberAxis y = new NumberAxis(metric);
        y.setAutoRangeIncludesZero(true);
        CategoryAxis x = new CategoryAxis("kernel");
        x.setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45); // long kernel names whole
        x.setMaximumCategoryLabelLines(2);
        CategoryPlot plot = new CategoryPlot(data, x, y, r);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle));
        return chart;
    }
}
