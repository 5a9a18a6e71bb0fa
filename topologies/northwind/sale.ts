/** An order as the topology uses it. */
export interface Order {
  readonly orderId: string;
  readonly customerId: string | undefined;
}

/** An order line: unit_price × quantity × (1 − discount) is its revenue. */
export interface OrderLine {
  readonly orderId: string;
  readonly productId: string;
  readonly revenue: number;
  readonly quantity: number;
}

/** A line joined to its order (event time = order_date). */
export interface LineWithOrder extends OrderLine {
  readonly customerId: string | undefined;
}

/** … and to its product. */
export interface LineWithProduct extends LineWithOrder {
  readonly categoryId: string | undefined;
}

/** … and to its category. */
export interface LineWithCategory extends LineWithOrder {
  readonly category: string;
}

/** A fully joined line: what both tables aggregate. */
export interface Sale extends LineWithCategory {
  readonly country: string;
}
