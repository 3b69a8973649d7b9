import { DynamicModule, Module } from '@nestjs/common';
import { JOBS_OPTIONS, JobsModuleOptions, JobsService } from './jobs.service';

/**
 * The scheduled jobs. `payments` is the worker's PaymentsModule (the same instance the worker imports),
 * whose command bus and flow the jobs share with nothing else in the process.
 */
@Module({})
export class JobsModule {
  static forRoot(payments: DynamicModule, options: JobsModuleOptions = {}): DynamicModule {
    return {
      module: JobsModule,
      imports: [payments],
      providers: [{ provide: JOBS_OPTIONS, useValue: options }, JobsService],
      exports: [JobsService],
    };
  }
}
