package dev.ren.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import java.util.Set;

/**
 * {@link ConditionalOnRenBinding}: reads {@code ren.bindings} with Spring's binder (so {@code kv}, {@code KV} and a
 * YAML list all work; an unknown name fails the binding of {@link RenProperties} with Spring's message).
 *
 * <p>Thread-safety: stateless.
 */
final class OnRenBindingCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    RenBinding wanted = metadata.getAnnotations().get(ConditionalOnRenBinding.class)
        .getEnum("value", RenBinding.class);
    Set<RenBinding> named;
    try {
      named = Binder.get(context.getEnvironment()).bind("ren.bindings", Bindable.setOf(RenBinding.class))
          .orElse(Set.of());
    } catch (RuntimeException e) {
      // a bad value: RenProperties' own binding reports it with Spring's message
      return ConditionOutcome.noMatch("ren.bindings does not bind: " + e.getMessage());
    }
    return named.contains(wanted)
        ? ConditionOutcome.match("ren.bindings names " + wanted)
        : ConditionOutcome.noMatch("ren.bindings does not name " + wanted);
  }
}
