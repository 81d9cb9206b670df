/** TLS from PEM files with the JDK alone: this node's certificate and key, and the cluster CA that vouches for peers. */
package io.pgpacer.tls;
