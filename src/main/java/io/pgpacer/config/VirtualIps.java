package io.pgpacer.config;

import io.pgpacer.core.cib.ReaderVipPolicy;
import io.pgpacer.core.model.VipAddress;

/**
 * The configured virtual IPs.
 *
 * @param writer moves with the primary, or null
 * @param reader on one healthy standby, or null
 * @param readerToPrimary whether the reader VIP moves to the primary when no standby is healthy (else it stops)
 */
public record VirtualIps(VipAddress writer, VipAddress reader, boolean readerToPrimary) {

    public static final VirtualIps NONE = new VirtualIps(null, null, false);

    public ReaderVipPolicy readerPolicy() {
        return reader == null ? ReaderVipPolicy.NONE
                : readerToPrimary ? ReaderVipPolicy.STANDBY_OR_PRIMARY : ReaderVipPolicy.STANDBY;
    }

    /** The interface that carries the VIPs ({@code virtual-ips.nic}), or null when no VIP is configured. */
    public String nic() {
        return writer != null ? writer.nic() : reader != null ? reader.nic() : null;
    }

    public boolean any() {
        return writer != null || reader != null;
    }
}
