/** Scheduler inputs as files: the golden scenarios, the controller's recordings, and their replay. */
package io.pgpacer.replay;
