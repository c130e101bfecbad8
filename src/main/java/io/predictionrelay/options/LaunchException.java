package io.predictionrelay.options;

/**
 * A problem with the input, the options or the broker found at launch, before anything is sent. Its message is
 * one line that names the file, column or option at fault.
 */
public class LaunchException extends RuntimeException {
  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
