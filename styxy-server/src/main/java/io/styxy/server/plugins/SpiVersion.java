package io.styxy.server.plugins;

import io.styxy.api.spi.ServiceTypeProvider;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SPI version a plugin declares: the {@value #ATTRIBUTE} attribute in the manifest of each jar that provides a
 * Styxy service, {@code MAJOR} or {@code MAJOR.MINOR}. Only the major version must match the daemon's
 * {@link ServiceTypeProvider#SPI_VERSION}: minor versions add methods with defaults and never break a plugin.
 * A jar without the attribute is taken as SPI 1, the first version, with a warning.
 */
final class SpiVersion {

    /** The manifest attribute a plugin jar declares its SPI version in. */
    static final String ATTRIBUTE = "Styxy-SPI-Version";

    /** What a jar declares when it says nothing. */
    static final int ASSUMED_WHEN_MISSING = 1;

    private static final Pattern VERSION = Pattern.compile("(\\d{1,6})(?:\\.\\d{1,6}){0,2}");

    private SpiVersion() {
    }

    /**
     * Why a jar that declares {@code declared} cannot be loaded by a daemon implementing {@code supported}, or
     * {@code null} when it can.
     *
     * @param module   the providing module, for the message
     * @param declared the attribute's value, or {@code null} when missing
     */
    static String refusal(String module, String declared, int supported) {
        int major;
        if (declared == null) {
            major = ASSUMED_WHEN_MISSING;
        } else {
            Matcher m = VERSION.matcher(declared);
            if (!m.matches()) {
                return "module " + module + " declares " + ATTRIBUTE + ": \"" + declared + "\" in its manifest;"
                        + " it must be the SPI major version it was built against, such as " + supported;
            }
            major = Integer.parseInt(m.group(1));
        }
        if (major > supported) {
            return "module " + module + " was built against Styxy SPI " + declared + ", newer than this daemon's SPI "
                    + supported + "; upgrade Styxy, or use a release of the plugin built for SPI " + supported;
        }
        if (major < supported) {
            return "module " + module + " was built against Styxy SPI " + (declared == null
                    ? ASSUMED_WHEN_MISSING + " (it declares no " + ATTRIBUTE + ")" : declared)
                    + ", which this daemon (SPI " + supported + ") no longer loads; rebuild it against styxy-api"
                    + " for SPI " + supported;
        }
        return null;
    }
}
