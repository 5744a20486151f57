/** JMH microbenchmarks of the core kernels. */
package org.transformer4j.bench;
