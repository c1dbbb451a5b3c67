package io.styxy.server.engine;

import java.time.Instant;

/**
 * One move made for the interposer: a process asked for a busy port and was given another.
 *
 * @param id          sequence number, increasing
 * @param pid         the process
 * @param command     its command line
 * @param askedPort   the busy port it asked for
 * @param givenPort   the port it was given
 * @param serviceType the service type the new port came from
 * @param lockId      the lease of the new port
 * @param at          when
 */
public record Reassignment(long id, long pid, String command, int askedPort, int givenPort, String serviceType,
                           String lockId, Instant at) {
}
