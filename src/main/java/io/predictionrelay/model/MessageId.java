package io.predictionrelay.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message id, the Kafka key: the group a message was cut from (a bucket, or an input split for
 * the shuffle-free grouping) and its batch in that group. Written {@code <bucket>-<batch>} or
 * {@code s<split>-<batch>}; read back to tell which groups of a run have fully arrived.
 */
public record MessageId(boolean split, int group, int batch) {
  private static final Pattern FORM = Pattern.compile("(s?)(\\d{1,10})-(\\d{1,10})");

  public static MessageId ofBucket(int bucket, int batch) {
    return new MessageId(false, bucket, batch);
  }

  public static MessageId ofSplit(int split, int batch) {
    return new MessageId(true, split, batch);
  }

  /** The id a key names, or null when the key is not a message id of this tool. */
  public static MessageId parse(String key) {
    Matcher m = key == null ? null : FORM.matcher(key);
    if (m == null || !m.matches()) {
      return null;
    }
    try {
      return new MessageId(!m.group(1).isEmpty(), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    } catch (NumberFormatException tooLarge) {
      return null;
    }
  }

  @Override
  public String toString() {
    return (split ? "s" : "") + group + "-" + batch;
  }
}
