package org.faultline.images.capture;

import java.io.IOException;

/** A store that cannot be opened or used, or a capture that is not there: one line for the user. */
public final class CaptureStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public CaptureStoreException(String message) {
        super(message.replace('\n', ' '));
    }

    public CaptureStoreException(String message, Throwable cause) {
        super(message.replace('\n', ' '), cause);
    }
}
