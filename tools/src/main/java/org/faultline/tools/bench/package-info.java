/**
 * The statistics of benchmark comparisons ({@code bench fs --compare}): medians, an exact or
 * normal-approximation Mann–Whitney U test and a seeded bootstrap confidence interval of the ratio of
 * medians ({@link org.faultline.tools.bench.Stats}, over commons-math3). Pure functions: no threads, no
 * locks, no clock.
 */
package org.faultline.tools.bench;
