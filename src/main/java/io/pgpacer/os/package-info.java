/**
 * Running OS programs: to completion with a timeout and captured output, or as long-lived children, always
 * with a clean environment; shared by the adapters that drive PostgreSQL's programs and {@code ip}.
 */
package io.pgpacer.os;
