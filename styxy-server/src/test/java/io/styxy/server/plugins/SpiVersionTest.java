package io.styxy.server.plugins;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which declared SPI versions a daemon loads: the same major, whatever the minor. */
class SpiVersionTest {

    @Test
    void theSameMajorLoadsWhateverTheMinorAndNothingMeansOne() {
        assertThat(SpiVersion.refusal("m", "1", 1)).isNull();
        assertThat(SpiVersion.refusal("m", "1.7", 1)).isNull();
        assertThat(SpiVersion.refusal("m", "1.7.2", 1)).isNull();
        assertThat(SpiVersion.refusal("m", null, 1)).isNull();
    }

    @Test
    void anotherMajorIsRefusedSayingWhichWayToGo() {
        assertThat(SpiVersion.refusal("m", "2.0", 1)).isEqualTo("module m was built against Styxy SPI 2.0, newer"
                + " than this daemon's SPI 1; upgrade Styxy, or use a release of the plugin built for SPI 1");
        assertThat(SpiVersion.refusal("m", "1", 2)).isEqualTo("module m was built against Styxy SPI 1, which this"
                + " daemon (SPI 2) no longer loads; rebuild it against styxy-api for SPI 2");
        assertThat(SpiVersion.refusal("m", null, 2)).isEqualTo("module m was built against Styxy SPI 1 (it declares"
                + " no Styxy-SPI-Version), which this daemon (SPI 2) no longer loads; rebuild it against styxy-api for"
                + " SPI 2");
    }

    @Test
    void somethingElseThanAVersionIsRefused() {
        assertThat(SpiVersion.refusal("m", "v1", 1)).startsWith("module m declares Styxy-SPI-Version: \"v1\"");
        assertThat(SpiVersion.refusal("m", "", 1)).startsWith("module m declares Styxy-SPI-Version: \"\"");
        assertThat(SpiVersion.refusal("m", "1.", 1)).startsWith("module m declares Styxy-SPI-Version: \"1.\"");
    }
}
