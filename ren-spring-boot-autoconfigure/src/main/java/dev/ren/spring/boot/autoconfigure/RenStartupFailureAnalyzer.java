package dev.ren.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link RenStartupException} into Spring Boot's "APPLICATION FAILED TO START" report: description and
 * action instead of a stack trace of bean creation.
 *
 * <p>Thread-safety: stateless.
 */
final class RenStartupFailureAnalyzer extends AbstractFailureAnalyzer<RenStartupException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, RenStartupException cause) {
    return new FailureAnalysis(cause.description(), cause.action(), cause);
  }
}
