package io.predictionrelay.bench;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.RecordConverter;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Bytes per prediction of each payload option, measured by encoding the same rows of the bench data
 * in messages of 10 in every layout and precision. Sizes do not depend on the machine, so one
 * sample of the data is enough.
 */
final class PayloadSizes {
  static final int[] PRECISIONS = {MessageFormat.SHORTEST, 6, 4, 3};

  /** One format's figures. */
  public static final class Size {
    public String layout;
    public int doublePrecision;
    public long predictions;
    public long messageBytes;

    double bytesPerPrediction() {
      return (double) messageBytes / predictions;
    }
  }

  private PayloadSizes() {}

  /** Encodes up to {@code sampleRows} rows of the input's first file in every format. */
  static List<Size> measure(String input, long sampleRows) throws IOException {
    ParquetInput parquet = ParquetInput.describe(input);
    List<Encoder> encoders = new ArrayList<>();
    for (MessageFormat.Layout layout : MessageFormat.Layout.values()) {
      for (int precision : PRECISIONS) {
        encoders.add(new Encoder(
            MessageFormat.of(parquet.schema()).withLayout(layout).withDoublePrecision(precision)));
      }
    }
    parquet.readRecords(
        parquet.files().get(0), sampleRows, record -> encoders.forEach(e -> e.converter.convert(record, e)));
    List<Size> sizes = new ArrayList<>();
    for (Encoder e : encoders) {
      e.flush();
      sizes.add(e.size);
    }
    return sizes;
  }

  private static final class Encoder implements RecordConverter.Receiver {
    final RecordConverter converter;
    final PredictionJson json;
    final List<Prediction> message = new ArrayList<>(10);
    final Size size = new Size();

    Encoder(MessageFormat format) {
      converter = new RecordConverter(format, Integer.MAX_VALUE);
      json = new PredictionJson(format);
      size.layout = format.layout().toString();
      size.doublePrecision = format.doublePrecision();
    }

    @Override
    public void prediction(Prediction prediction) {
      message.add(prediction);
      if (message.size() == 10) {
        flush();
      }
    }

    void flush() {
      if (!message.isEmpty()) {
        size.predictions += message.size();
        size.messageBytes += json.encode(message).length;
        message.clear();
      }
    }

    @Override
    public void deadLetter(DeadLetter deadLetter) {
      throw new IllegalStateException("bench data has no bad rows: " + deadLetter);
    }
  }
}
