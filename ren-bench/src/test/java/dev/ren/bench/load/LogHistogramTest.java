package dev.ren.bench.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogHistogramTest {

  @Test
  void index_everyValue_fallsInABucketWhoseBoundsHoldIt() {
    for (long v = 0; v < 1_000_000; v += 7) {
      int i = LogHistogram.index(v);
      assertTrue(LogHistogram.lowerBound(i) <= v && v < LogHistogram.lowerBound(i + 1), "value " + v);
    }
    long big = 3_600_000_000L;
    int i = LogHistogram.index(big);
    assertTrue(LogHistogram.lowerBound(i) <= big && big < LogHistogram.lowerBound(i + 1));
  }

  @Test
  void quantile_uniformValues_withinThreePercent() {
    LogHistogram h = new LogHistogram();
    for (int v = 1; v <= 100_000; v++) {
      h.record(v);
    }
    assertEquals(100_000, h.count());
    assertEquals(50_000, h.quantile(0.5), 50_000 * 0.032);
    assertEquals(99_000, h.quantile(0.99), 99_000 * 0.032);
    assertEquals(100_000, h.max());
  }

  @Test
  void add_mergesCountsAndMax() {
    LogHistogram a = new LogHistogram();
    LogHistogram b = new LogHistogram();
    a.record(10);
    b.record(5000);
    a.add(b);
    assertEquals(2, a.count());
    assertEquals(5000, a.max());
    assertEquals(10, a.quantile(0.5));
  }
}
