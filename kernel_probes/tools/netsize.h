/* netsize: packet sizes at the device layer, as the book's netsize.bt: recv
 * (net:netif_receive_skb, after GRO), send (net:net_dev_queue, before GSO), nic_recv (the
 * driver's handover: napi_gro_receive_entry, napi_gro_frags_entry, netif_receive_skb_entry,
 * netif_receive_skb_list_entry, netif_rx_entry; lo and veth use netif_rx) and nic_send
 * (net:net_dev_xmit, what the driver took). Shared between netsize.bpf.c and netsize.cpp. */
#ifndef PB_TOOLS_NETSIZE_H
#define PB_TOOLS_NETSIZE_H

/* The hist map: index metric * PB_HIST_NBUCKETS + pb_hist_bucket(len). */
enum pb_netsize_metric {
	PB_NETSIZE_RECV = 0,
	PB_NETSIZE_SEND = 1,
	PB_NETSIZE_NIC_RECV = 2,
	PB_NETSIZE_NIC_SEND = 3,
	PB_NETSIZE_METRICS = 4,
};

#ifdef __cplusplus
namespace pb::probes::tools {
struct Tool;
// The netsize row of the tool table.
const Tool& netsize_tool();
}  // namespace pb::probes::tools
#endif

#endif
