package com.example.styxy.declared;

import io.styxy.api.AddressFamily;
import io.styxy.api.Listener;
import io.styxy.api.Protocol;
import io.styxy.api.spi.ObserverException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeclaredPortsTest {

    @Test
    void readsProtocolPortsAddressAndLabelSkippingCommentsAndBlankLines() throws Exception {
        List<Listener> listeners = DeclaredPorts.parse("""
                # ports the Windows side holds
                tcp 5432                 postgres on the host

                TCP 8443-8445 127.0.0.1  corporate proxy   # three ports
                udp 5353 ::
                tcp 9000 fe80::1%1
                """, "ports.txt");
        assertThat(listeners).hasSize(6);
        Listener postgres = listeners.getFirst();
        assertThat(postgres.protocol()).isEqualTo(Protocol.TCP);
        assertThat(postgres.port()).isEqualTo(5432);
        assertThat(postgres.address()).isEqualTo("0.0.0.0");
        assertThat(postgres.family()).isEqualTo(AddressFamily.IPV4);
        assertThat(postgres.processName()).isEqualTo("postgres on the host");
        assertThat(postgres.commandLine()).isEqualTo("declared in ports.txt line 2");
        assertThat(postgres.hasKnownOwner()).isFalse();
        assertThat(listeners.subList(1, 4)).extracting(Listener::port).containsExactly(8443, 8444, 8445);
        assertThat(listeners.get(1).address()).isEqualTo("127.0.0.1");
        assertThat(listeners.get(1).processName()).isEqualTo("corporate proxy");
        Listener mdns = listeners.get(4);
        assertThat(mdns.protocol()).isEqualTo(Protocol.UDP);
        assertThat(mdns.family()).isEqualTo(AddressFamily.IPV6);
        assertThat(mdns.address()).isEqualTo("0:0:0:0:0:0:0:0");
        assertThat(mdns.processName()).isEmpty();
        assertThat(listeners.get(5).family()).isEqualTo(AddressFamily.IPV6);
    }

    @Test
    void anEmptyFileDeclaresNothing() throws Exception {
        assertThat(DeclaredPorts.parse("", "f")).isEmpty();
        assertThat(DeclaredPorts.parse("# nothing yet\n\n", "f")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "tcp => f:2: expected \"tcp|udp PORT [ADDRESS] [LABEL]\", got \"tcp\"",
            "sctp 5000 => f:2: the protocol must be tcp or udp, got \"sctp\"",
            "tcp http => f:2: a port must be a number from 1 to 65535, got \"http\"",
            "tcp 0 => f:2: a port must be a number from 1 to 65535, got \"0\"",
            "tcp 70000 => f:2: a port must be a number from 1 to 65535, got \"70000\"",
            "tcp 9000-8000 => f:2: the range 9000-8000 ends before it starts",
            "tcp 1-2-3 => f:2: expected a port or first-last, got \"1-2-3\"",
            "tcp 10000-12000 => f:2: the range 10000-12000 holds 2001 ports; at most 1024 a line",
            "tcp 5432 300.1.2.3 => f:2: \"300.1.2.3\" is not an IPv4 or IPv6 address; start a label with a letter",
    })
    void everyErrorNamesTheFileAndTheLine(String line, String message) {
        assertThatThrownBy(() -> DeclaredPorts.parse("# header\n" + line + "\n", "f"))
                .isInstanceOf(ObserverException.class).hasMessage(message);
    }
}
