import { Module } from '@nestjs/common';
import { LedgerModule } from '@payledger/ledger';
import { foldPayment } from '@payledger/payments';
import { ProjectionsController } from '../projections/projections.controller';
import { FinanceController } from './finance.controller';

/** `/v1/finance/…` (finance, ops) and `/v1/ops/projections…` (ops), over the ledger projections. */
@Module({
  imports: [LedgerModule.forRoot({ foldPayment })],
  controllers: [FinanceController, ProjectionsController],
})
export class FinanceModule {}
