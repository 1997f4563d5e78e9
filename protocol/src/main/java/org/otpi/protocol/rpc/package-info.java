/**
 * The device RPC wire types (DESIGN section 7): JSON records under {@code /api/v1}, shared by the
 * appliance's server and the laptop client. Binary fields (messages, packages) travel as standard
 * base64. Nothing here can carry pad bytes: a package is ciphertext, a message is what the person
 * typed or asked to open.
 */
package org.otpi.protocol.rpc;
