/** Records shared by the device and the laptop. Nothing here ever touches pad bytes. */
package org.otpi.protocol;
