/**
 * The site link (DESIGN section 10): a ChaCha20-Poly1305 tunnel over UDP keyed from pre-shared
 * one-time key material, wire-compatible with the PSK-only tunnel note.
 *
 * <p>Pipeline, one link: {@link org.otpi.appliance.tunnel.Tun} (IP packets) →
 * {@link org.otpi.appliance.tunnel.TunnelSession#seal} (sequence number reserved durably in
 * {@link org.otpi.appliance.tunnel.SequenceState}, slot {@code seq / 1000} from the
 * {@link org.otpi.appliance.tunnel.SlotStore}, 32-byte header as AAD) →
 * {@link org.otpi.appliance.tunnel.Udp}; and back through
 * {@link org.otpi.appliance.tunnel.TunnelSession#open} (cheap checks, replay window, slot tag,
 * AEAD, durable receive bound) to the TUN. {@link org.otpi.appliance.tunnel.TunnelPeer} runs
 * it; {@code TunnelTimers} says when to send keepalives, handshakes and stats;
 * {@code Handshake} is the optional HELLO/WELCOME exchange. Used key halves are destroyed on the
 * medium behind the sender and behind the receiver's window.
 *
 * <p>Seams: {@code SlotStore} (key file today, vault later), {@code Tun} and {@code Udp} (real:
 * {@code LinuxTun}, {@code NettyUdp}; in-memory fakes in the tests). Entry point:
 * {@link org.otpi.appliance.tunnel.TunnelMain} ({@code otpi-tunnel --config FILE}). See
 * docs/tunnel.md.
 */
package org.otpi.appliance.tunnel;
