/** A node's YAML configuration: loading and complete validation before anything starts. */
package io.pgpacer.config;
