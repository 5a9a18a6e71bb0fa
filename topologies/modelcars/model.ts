/** An order, with whether its customer exists (an order without one is dead-lettered with its lines). */
export interface Order {
  readonly orderNumber: string;
  readonly status: string;
  readonly customerNumber: string | undefined;
  readonly customerFound: boolean;
}

/** An order line as read. */
export interface OrderLine {
  readonly orderNumber: string;
  readonly productCode: string;
  readonly quantity: number;
  readonly revenue: number;
}

/** A line joined to its order (event time = orderDate). */
export interface LineWithOrder extends OrderLine {
  readonly order: Order;
}

/** A line joined to its order and product: what `modelcars_productline_monthly` aggregates. */
export interface ProductLineSale extends OrderLine {
  readonly productLine: string;
}

/** A payment as read. */
export interface Payment {
  readonly customerNumber: string;
  readonly amount: number;
}

/** A payment with its customer's country. */
export interface CountryPayment extends Payment {
  readonly country: string;
}
