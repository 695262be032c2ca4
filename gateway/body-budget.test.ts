import { describe, expect, it } from "vitest";
import { createBodyBudget } from "./body-budget.ts";

const MiB = 1024 * 1024;

describe("createBodyBudget", () => {
  it("admits calls while the budget lasts, then strictly in arrival order as bytes are released", async () => {
    const budget = createBodyBudget({ maxBytes: 32 * MiB, maxWaiting: 10, maxWaitMs: 60_000 });
    const held = await budget.reserve(20 * MiB);
    expect(budget.inUse).toBe(20 * MiB);
    const order: string[] = [];
    const large = budget.reserve(16 * MiB).then((release) => (order.push("large"), release));
    // 1 MiB would fit now, but it arrived after a call that is waiting: it does not overtake it.
    const small = budget.reserve(1 * MiB).then((release) => (order.push("small"), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.waiting).toBe(2);
    expect(order).toEqual([]);
    held!();
    held!(); // a second call of the same release changes nothing
    const releases = await Promise.all([large, small]);
    expect(order).toEqual(["large", "small"]);
    expect(budget.inUse).toBe(17 * MiB);
    for (const release of releases) release!();
    expect(budget.inUse).toBe(0);
  });

  it("lets a body larger than the whole budget run alone", async () => {
    const budget = createBodyBudget({ maxBytes: 8 * MiB, maxWaiting: 10, maxWaitMs: 60_000 });
    const huge = await budget.reserve(17 * MiB);
    expect(budget.inUse).toBe(8 * MiB);
    const next = budget.reserve(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.waiting).toBe(1);
    huge!();
    expect(await next).toBeTypeOf("function");
  });

  it("turns callers away past maxWaiting, after maxWaitMs, and when they give up", async () => {
    const budget = createBodyBudget({ maxBytes: 1 * MiB, maxWaiting: 1, maxWaitMs: 50 });
    const held = await budget.reserve(1 * MiB);
    const waiting = budget.reserve(1 * MiB);
    expect(await budget.reserve(1 * MiB)).toBeUndefined(); // the queue is full
    expect(await waiting).toBeUndefined(); // waited 50 ms
    expect(budget.waiting).toBe(0);

    const controller = new AbortController();
    const gaveUp = budget.reserve(1 * MiB, controller.signal);
    controller.abort();
    expect(await gaveUp).toBeUndefined();
    expect(budget.waiting).toBe(0);
    held!();
    expect(budget.inUse).toBe(0);
  });
});
