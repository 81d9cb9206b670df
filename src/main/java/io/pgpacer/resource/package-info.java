/**
 * Resource agents for the operator's primitive resources, behind one small OCF-style contract: {@code exec} (the
 * operator's own shell commands, each in its own process group with a timeout); the {@code ip} resource is a
 * virtual IP behind the same contract, joined in the agent ({@code io.pgpacer.agent.IpResourceAgent}).
 */
package io.pgpacer.resource;
