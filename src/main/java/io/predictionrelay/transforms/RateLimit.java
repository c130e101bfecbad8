package io.predictionrelay.transforms;

import java.io.Serializable;

/**
 * A smooth rate limit: each acquisition of n permits moves the earliest time of the next one on by
 * n / rate, and waits for its own turn. Unlike a token bucket it stores no burst, so no window of
 * any length sees more than its share plus one acquisition, not even right after an idle spell.
 */
final class RateLimit implements Serializable {
  /** A clock that can be told to wait, so tests need no real time. */
  interface Clock extends Serializable {
    long nanos();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  static final Clock SYSTEM = new Clock() {
    @Override
    public long nanos() {
      return System.nanoTime();
    }

    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
      java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
    }
  };

  private final double permitsPerSecond;
  private final Clock clock;
  private long nextFreeNanos = Long.MIN_VALUE;

  RateLimit(double permitsPerSecond, Clock clock) {
    if (!(permitsPerSecond > 0)) {
      throw new IllegalArgumentException("a rate must be positive, got " + permitsPerSecond);
    }
    this.permitsPerSecond = permitsPerSecond;
    this.clock = clock;
  }

  /** Waits until {@code permits} may go, then books them. */
  void acquire(long permits) throws InterruptedException {
    long now = clock.nanos();
    long start = nextFreeNanos == Long.MIN_VALUE ? now : Math.max(now, nextFreeNanos);
    nextFreeNanos = start + (long) (permits * 1e9 / permitsPerSecond);
    if (start > now) {
      clock.sleepNanos(start - now);
    }
  }

}
