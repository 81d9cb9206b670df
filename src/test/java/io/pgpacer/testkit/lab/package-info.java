/**
 * The network-namespace lab: hosts as Linux network namespaces on a bridge of their own, processes started
 * inside them, and the faults the HA tests inject (kill -9, freeze, iptables partitions, flapping), all
 * removed again by {@link io.pgpacer.testkit.lab.NetLab#close()}.
 */
package io.pgpacer.testkit.lab;
