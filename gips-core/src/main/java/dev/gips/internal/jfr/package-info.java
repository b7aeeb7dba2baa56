/**
 * JDK Flight Recorder events of gips ({@code dev.gips.*}, category "gips"): connections, policy refusals, messages
 * sent and received, poll waits. All are off by default; {@link dev.gips.internal.jfr.Jfr} is the only entry point
 * the public classes call, and it costs one static read per call while no running recording enables the event. Not
 * API: applications enable the events by name in a recording (see {@code gips.jfc} beside these classes).
 */
package dev.gips.internal.jfr;
