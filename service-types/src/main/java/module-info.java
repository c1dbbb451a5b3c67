/**
 * The 17 built-in service types (dev, api, database, …). Exports nothing: the types reach the daemon only
 * through the service-type SPI.
 *
 * @provides io.styxy.api.spi.ServiceTypeProvider
 */
module io.styxy.servicetypes {
    requires io.styxy.api;

    provides io.styxy.api.spi.ServiceTypeProvider with io.styxy.servicetypes.builtin.BuiltinServiceTypes;
}
