package io.pgpacer.core.cib;

/**
 * Where the reader VIP is assigned. The controller moves it in two steps, each a compare-and-set on
 * {@code version}: first away from the old node (to nobody), then, once the old node reported that it saw that
 * change and holds no address, or has been silent long enough to have dropped it, to the new node. So the
 * address is never assigned to one node while another may still carry it.
 *
 * @param node the node that should carry the reader VIP, or null for none
 * @param version grows with every change of {@code node}
 * @param reason why the controller chose that node, for status and events
 */
public record ReaderVip(String node, long version, String reason) {

    public static final ReaderVip NONE = new ReaderVip(null, 0, null);

    public boolean assigned() {
        return node != null;
    }

    public ReaderVip movedTo(String newNode, String why) {
        return new ReaderVip(newNode, version + 1, why);
    }
}
