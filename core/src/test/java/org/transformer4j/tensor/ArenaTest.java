package org.transformer4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;
import org.transformer4j.autograd.Ops;

class ArenaTest {
    @Test
    void aSecondScopeReusesTheFirstScopesArraysZeroedAndInTheSameOrder() {
        Arena arena = new Arena();
        float[] a1;
        float[] b1;
        try (var s = arena.open()) {
            Tensor a = Tensor.zeros(2, 3);
            Tensor b = Tensor.zeros(6);
            a.data()[0] = 5f;
            b.data()[5] = 7f;
            a1 = a.data();
            b1 = b.data();
            assertThat(a.inArena()).isTrue();
        }
        long pooled = arena.pooledFloats();
        try (var s = arena.open()) {
            Tensor a = Tensor.zeros(2, 3);
            Tensor b = Tensor.zeros(6);
            assertThat(a.data()).isSameAs(a1).containsOnly(0f);
            assertThat(b.data()).isSameAs(b1).containsOnly(0f);
        }
        assertThat(arena.pooledFloats()).isEqualTo(pooled);
    }

    @Test
    void lengthsNoScopeAsksForAnyMoreLeaveThePool() {
        Arena arena = new Arena();
        try (var s = arena.open()) {
            Tensor.zeros(10);
            Tensor.zeros(3);
        }
        assertThat(arena.pooledFloats()).isEqualTo(13);
        for (int i = 0; i < Arena.KEEP_UNUSED_SCOPES; i++) {
            try (var s = arena.open()) {
                Tensor.zeros(3); // shapes that vary by step (padded batches) must not grow the pool for ever
            }
        }
        assertThat(arena.pooledFloats()).isEqualTo(3);
    }

    @Test
    void aTensorUsedAfterItsScopeClosedIsALoudError() {
        Arena arena = new Arena();
        Tensor t;
        try (var s = arena.open()) {
            t = Tensor.zeros(4);
            t.grad();
        }
        assertThatThrownBy(t::data).isInstanceOf(T4jException.class).hasMessageContaining("[4]")
                .hasMessageContaining("closed arena scope");
        assertThatThrownBy(t::grad).isInstanceOf(T4jException.class);
        Tensor view;
        try (var s = arena.open()) {
            view = Tensor.zeros(2, 2).view(4);
        }
        assertThatThrownBy(view::data).isInstanceOf(T4jException.class);
    }

    @Test
    void tensorsMadeOutsideTheScopeAndTheirGradientsLiveOn() {
        Arena arena = new Arena();
        Tensor w = Tensor.randn(new SplittableRandom(1), 1f, 3, 4).requiresGrad(true);
        Tensor x = Tensor.randn(new SplittableRandom(2), 1f, 2, 4);
        try (var s = arena.open()) {
            Ops.sum(Ops.linear(x, w, null)).backward();
        }
        assertThat(w.inArena()).isFalse();
        float[] g = w.grad().clone(); // no error: a parameter's gradient is a heap array
        try (var s = arena.open()) {
            Tensor y = Tensor.zeros(w.size()); // would take the gradient's array if it had been lent
            assertThat(y.data()).isNotSameAs(w.grad());
        }
        assertThat(w.grad()).containsExactly(g);
        assertThat(x.data()).hasSize(8);
    }

    @Test
    void withoutAnOpenScopeEverythingIsAnOrdinaryHeapArray() {
        Tensor t = Tensor.zeros(3);
        assertThat(t.inArena()).isFalse();
        float[] a = Arena.floats(3);
        float[] b = Arena.floats(3);
        assertThat(a).isNotSameAs(b);
    }

    @Test
    void scopesOfDifferentArenasNestAndOneArenaCannotOpenTwice() {
        Arena outer = new Arena();
        Arena inner = new Arena();
        try (var s = outer.open()) {
            assertThatThrownBy(outer::open).isInstanceOf(IllegalStateException.class);
            Tensor a;
            try (var t = inner.open()) {
                a = Tensor.zeros(2);
            }
            assertThatThrownBy(a::data).isInstanceOf(T4jException.class);
            Tensor b = Tensor.zeros(2); // back in the outer arena
            assertThat(b.data()).hasSize(2);
            assertThat(outer.pooledFloats()).isEqualTo(2);
            assertThat(inner.pooledFloats()).isEqualTo(2);
        }
        assertThat(outer.isOpen()).isFalse();
    }
}
