package org.faultline.tools;

/**
 * {@code bench fs --compare --html DIR}: a page to attach to a patch review — what was measured, the
 * exact command, the table with every verdict, the plot, and the raw figures ({@code results.json}).
 * Static HTML, nothing fetched from elsewhere.
 */
final class BenchHtml {
    private BenchHtml() {
    }

    static String page(BenchWorkload bw, String command, String table, String plot) {
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>faultline bench fs " + esc(bw.name)
                + "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
                + "pre{background:#f4f4f4;padding:1em;overflow-x:auto}img{max-width:100%}</style></head><body>\n"
                + "<h1>bench fs " + esc(bw.name) + "</h1>\n<p>" + esc(bw.summary()) + " Parameters: " + esc(bw.params())
                + ". Faultline " + esc(Faultline.Version.version()) + ", host kernel " + esc(System.getProperty("os.version"))
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs.</p>\n"
                + "<h2>Command</h2>\n<pre>" + esc(command) + "</pre>\n"
                + "<h2>Results</h2>\n<pre>" + esc(table) + "</pre>\n"
                + "<p>Medians of alternating runs after a discarded warm-up; each verdict from a two-sided Mann-Whitney U "
                + "test and a bootstrap 95% confidence interval of the ratio of medians (docs/bench.md). Every run's raw "
                + "figures: <a href=\"results.json\">results.json</a>.</p>\n"
                + "<img src=\"" + esc(plot) + "\" alt=\"throughput per kernel and latency CDF\">\n"
                + "<h2>Workload</h2>\n<pre>" + esc(bw.text) + "</pre>\n</body></html>\n";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
