/**
 * What {@code bench fs} computes and draws, apart from running anything: one run's {@link
 * org.faultline.tools.bench.Figures} (rates, CPU per GiB, latency histograms), the statistics of a
 * comparison ({@link org.faultline.tools.bench.Stats}: medians, an exact or normal-approximation
 * Mann–Whitney U test and a seeded bootstrap confidence interval of the ratio of medians, over
 * commons-math3) and its picture ({@link org.faultline.tools.bench.Plot}, JFreeChart). Pure functions
 * and values: no threads, no locks, no clock.
 */
package org.faultline.tools.bench;
