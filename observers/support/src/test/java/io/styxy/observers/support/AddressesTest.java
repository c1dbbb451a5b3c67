package io.styxy.observers.support;

import io.styxy.api.AddressFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressesTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, 127.0.0.1",
            "0.0.0.0, 0.0.0.0",
            "::, ::",
            "[::], ::",
            "::1, ::1",
            "[::1], ::1",
            "0:0:0:0:0:0:0:1, ::1",
            "FE80::FC:FF:FE00:1, fe80::fc:ff:fe00:1",
            "fe80::fc:ff:fe00:1%eth0, fe80::fc:ff:fe00:1",
            "[fe80::1]%eth0, fe80::1",
            "0.0.0.0%lo, 0.0.0.0",
            "::ffff:127.0.0.1, ::ffff:127.0.0.1",
            "::ffff:7f00:1, ::ffff:127.0.0.1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "1:0:0:2:0:0:0:3, 1:0:0:2::3",
    })
    void canonicalText(String in, String out) {
        assertThat(Addresses.canonical(in)).isEqualTo(out);
    }

    @Test
    void rejectsNonsense() {
        for (String bad : new String[]{"", "1.2.3", "256.1.1.1", "1::2::3", "12345::", "localhost", "[::1"}) {
            assertThatThrownBy(() -> Addresses.canonical(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rawBytes() {
        assertThat(Addresses.format(new byte[]{127, 0, 0, 1})).isEqualTo("127.0.0.1");
        byte[] v6 = new byte[16];
        assertThat(Addresses.format(v6)).isEqualTo("::");
        v6[15] = 1;
        assertThat(Addresses.format(v6)).isEqualTo("::1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1:47100 | 127.0.0.1 | IPV4 | 47100",
            "[::1]:47100 | ::1 | IPV6 | 47100",
            "*:47304 | :: | IPV6 | 47304",
            "0.0.0.0%lo:47301 | 0.0.0.0 | IPV4 | 47301",
            "[fe80::fc:ff:fe00:1]%eth0:47300 | fe80::fc:ff:fe00:1 | IPV6 | 47300",
            ":::47201 | :: | IPV6 | 47201",
            "::1:47100 | ::1 | IPV6 | 47100",
            "fe80::fc:ff:fe00:1:47300 | fe80::fc:ff:fe00:1 | IPV6 | 47300",
            "[::ffff:127.0.0.1]:80 | ::ffff:127.0.0.1 | IPV6 | 80",
            "0.0.0.0:* | 0.0.0.0 | IPV4 | -1",
    })
    void hostPort(String text, String address, AddressFamily family, int port) {
        assertThat(Addresses.splitHostPort(text, AddressFamily.IPV6))
                .isEqualTo(new Addresses.HostPort(address, family, port));
    }

    @Test
    void wildcardFamilyFromTheCaller() {
        assertThat(Addresses.splitHostPort("*:80", AddressFamily.IPV4).address()).isEqualTo("0.0.0.0");
    }
}
