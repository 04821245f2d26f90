/**
 * Captured failures (docs/captures.md): the store ({@link org.faultline.images.capture.CaptureStore},
 * an LMDB environment through lmdbjava — blocks and objects by SHA-256, deflated against per-workload
 * dictionaries, kernel logs line-folded first by {@link org.faultline.images.capture.LineFold}), what
 * a capture records ({@link org.faultline.images.capture.Manifest}), a capture's disks and block write
 * log ({@link org.faultline.images.capture.CapturedDisk}), one-file packs to send elsewhere
 * ({@link org.faultline.images.capture.CapturePack}), and the structural check of LMDB's data file run
 * before LMDB opens a store ({@link org.faultline.images.capture.LmdbCheck}: LMDB trusts its pages, so
 * a damaged file would otherwise abort the JVM). Errors are one line for the user
 * ({@link org.faultline.images.capture.CaptureStoreException}, exit 2).
 *
 * <p>Concurrency: LMDB's — one write transaction at a time per environment (processes and threads
 * alike), readers never blocked; a capture is one write transaction, so a killed writer leaves the
 * store as of its last committed capture. Nothing here runs inside the emulated kernel.
 */
package org.faultline.images.capture;
