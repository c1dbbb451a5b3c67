package io.styxy.observers.procfs;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;

/** One listening row of a {@code /proc/net} socket table. */
record RawSocket(Protocol protocol, AddressFamily family, String address, int port, long uid, long inode) {
}
