package io.styxy.observers.netlink;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;

/** One socket of a sock_diag dump. */
record DiagSocket(Protocol protocol, AddressFamily family, String address, int port, long uid, long inode) {
}
