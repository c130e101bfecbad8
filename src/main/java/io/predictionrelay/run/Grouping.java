package io.predictionrelay.run;

/**
 * How rows are grouped into messages ({@code --grouping}): into buckets by a hash of the id, across
 * row groups, through a shuffle; or within each row group as it is read, with no shuffle.
 */
public enum Grouping {
  BUCKET,
  BUNDLE
}
