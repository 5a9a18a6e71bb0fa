// @services postgres spark
import { describeDatasetToDatabricks } from './datasets-to-databricks.js';

describeDatasetToDatabricks('northwind');
