/**
 * Host trust and configuration delivery: the host secret, the challenge-response that hands a host the cluster's
 * secrets, and the configuration it receives.
 */
package io.pgpacer.enrol;
