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
 * commons-math3, whiskers to the slowest and fastest run), the verdicts under the title. PNG, drawn
 * headless with JFreeChart.
 */
public final class Plot {
    private Plot() {
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
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 700);
    }
}
