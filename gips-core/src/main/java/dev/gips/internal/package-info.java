/** Glue between core packages. Not API: applications and backends must not use it. */
package dev.gips.internal;
