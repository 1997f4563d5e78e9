/**
 * Everything that touches pad bytes, and nothing else.
 *
 * <p>This package is the audit boundary for pad law 2 ("never out"). Pad bytes are read from an
 * encrypted {@link org.otpi.appliance.pad.PadFile} into a {@link org.otpi.appliance.pad.PadStream},
 * used by the codecs ({@link org.otpi.appliance.pad.Otc1Codec}, {@link org.otpi.appliance.pad.Otp2Codec})
 * and zeroed. No public method of this package returns pad bytes; the only way out is an encrypted
 * backup, which needs the grep-able {@link org.otpi.appliance.pad.InsecurePadAccess} token.
 *
 * <p>Limits, plainly: the JVM may copy arrays during garbage collection, so zeroing is best effort;
 * flash media may keep overwritten blocks, so "destroyed" means destroyed as far as the file system
 * lets us. Both are why the medium is encrypted as a whole.
 */
package org.otpi.appliance.pad;
