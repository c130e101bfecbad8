package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitTest {
  /** A clock that moves only when told to sleep, or by the test. */
  private static final class FakeClock implements RateLimit.Clock {
    long now = 5_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nanos() {
      return now;
    }

    @Override
    public void sleepNanos(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }
  }

  @Test
  void spacesAcquisitionsEvenlyFromTheFirst() throws Exception {
    FakeClock clock = new FakeClock();
    RateLimit limit = new RateLimit(10, clock);
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      limit.acquire(1);
      times.add(clock.now);
    }
    assertEquals(5_000_000_000L, times.get(0)); // the first goes at once
    for (int i = 1; i < times.size(); i++) {
      assertEquals(100_000_000L, times.get(i) - times.get(i - 1));
    }
  }

  @Test
  void storesNoBurstWhileIdle() throws Exception {
    FakeClock clock = new FakeClock();
    RateLimit limit = new RateLimit(100, clock); // permits are bytes here: 100 a second
    limit.acquire(50);
    clock.now += 60_000_000_000L; // a minute idle
    long before = clock.now;
    limit.acquire(100);
    limit.acquire(100);
    limit.acquire(100);
    // Three seconds' worth: the second and third wait a second each; no minute of credit was kept.
    assertEquals(2_000_000_000L, clock.now - before);
  }

  @Test
  void anyWindowHoldsAtMostItsShareAndOneMore() throws Exception {
    FakeClock clock = new FakeClock();
    RateLimit limit = new RateLimit(7, clock);
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      if (i % 17 == 0) {
        clock.now += 3_000_000_000L; // idle spells
      }
      limit.acquire(1);
      times.add(clock.now);
    }
    long window = 5_000_000_000L;
    for (int start = 0; start < times.size(); start++) {
      int inWindow = 0;
      for (int j = start; j < times.size() && times.get(j) < times.get(start) + window; j++) {
        inWindow++;
      }
      assertTrue(inWindow <= 7 * 5 + 1, "window from " + start + " holds " + inWindow);
    }
  }

  @Test
  void refusesARateThatIsNotPositive() {
    assertThrows(IllegalArgumentException.class, () -> new RateLimit(0, RateLimit.SYSTEM));
  }
}
