/** uPlot with its stylesheet, as one chunk that `loadUPlot()` fetches when the first chart is drawn. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export default uPlot;
