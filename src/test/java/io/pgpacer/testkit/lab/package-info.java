/**
 * The network-namespace lab: hosts as Linux network namespaces on a bridge of their own, processes started
 * inside them, and the faults the HA tests inject (kill -9, freeze, iptables partitions, flapping), all
 * removed again by {@link io.pgpacer.testkit.lab.NetLab#close()}; and a pgpacer cluster with a writer VIP
 * running in it ({@link io.pgpacer.testkit.lab.LabCluster}), reached from the test through a tunnel, with a
 * client that writes through the VIP.
 */
package io.pgpacer.testkit.lab;
